import { describeAuthorizationCodeStore } from '../authorization-code-store.contract-suite.js';
import { createMemoryAuthorizationCodeStore } from './memory-authorization-code-store.js';

describeAuthorizationCodeStore('memory', async () => createMemoryAuthorizationCodeStore());
