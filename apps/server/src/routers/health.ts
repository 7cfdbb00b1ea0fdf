import type { contracts } from '@gatehouse/contracts';
import type { HandlersFor } from './build-router.js';

export const healthHandlers: Pick<HandlersFor<typeof contracts>, 'health'> = {
  async health() {
    return { status: 'ok', time: new Date().toISOString() };
  },
};
