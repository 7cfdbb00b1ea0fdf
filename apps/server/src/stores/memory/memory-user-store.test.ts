import { describeUserStore } from '../../../test-support/user-store-behaviour.js';
import { createMemoryUserStore } from './memory-user-store.js';

describeUserStore('memory', ({ now }) => createMemoryUserStore({ now }));
