import { describeAuthorizationCodeStore } from '../../../test-support/authorization-code-store-behaviour.js';
import { createMemoryAuthorizationCodeStore } from './memory-authorization-code-store.js';

describeAuthorizationCodeStore('memory', async () => createMemoryAuthorizationCodeStore());
