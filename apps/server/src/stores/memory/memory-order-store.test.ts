import { describeOrderStore } from '../../../test-support/order-store-behaviour.js';
import { createMemoryOrderStore } from './memory-order-store.js';

describeOrderStore('memory', ({ now }) => createMemoryOrderStore({ now }));
