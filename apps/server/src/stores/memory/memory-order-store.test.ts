import { describeOrderStore } from '../order-store.contract-suite.js';
import { createMemoryOrderStore } from './memory-order-store.js';

describeOrderStore('memory', ({ now }) => createMemoryOrderStore({ now }));
