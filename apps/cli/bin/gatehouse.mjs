#!/usr/bin/env node
// The `gatehouse` bin runs the TypeScript source, like the server's `dev` script: the workspace builds nothing
// it does not publish. tsx's loader is registered for this process only.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
