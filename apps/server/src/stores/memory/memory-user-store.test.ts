import { describeUserStore } from '../user-store.contract-suite.js';
import { createMemoryUserStore } from './memory-user-store.js';

describeUserStore('memory', ({ now }) => createMemoryUserStore({ now }));
