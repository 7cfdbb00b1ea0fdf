import { createGatehouseClient, UnauthorizedError } from '@gatehouse/client';
import { loadAppConfig } from './app-config.js';
import { describeProblem, type Problem } from './describe-problem.js';
import { createOAuthSession, type OAuthSession } from './oauth-session.js';
import { accountView, h, ordersView, problemView, signedOutView } from './view.js';
import './styles.css';

const app = document.querySelector<HTMLElement>('#app')!;
const account = document.querySelector<HTMLElement>('#account')!;

async function start(): Promise<void> {
  const config = await loadAppConfig();
  const session = createOAuthSession(config);
  // The typed client asks for the token on every call: expired ones are refreshed through the cookie first.
  const gatehouse = createGatehouseClient({ url: config.gatehouseUrl, getAccessToken: () => session.accessToken(), batch: false });

  /** A call, retried once after a refresh if the server calls the access token expired (clock skew, a long sleep). */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UnauthorizedError && error.reason === 'expired_token' && (await session.refresh())) return run();
      throw error;
    }
  }

  function showSignedOut(problem?: Problem): void {
    account.replaceChildren();
    app.replaceChildren(...(problem === undefined ? [] : [problemView(problem)]), signedOutView(() => void session.beginSignIn()));
  }

  async function showSignedIn(): Promise<void> {
    const me = await call(() => gatehouse.users.me.query());
    account.replaceChildren(
      accountView(me, () => {
        void session.signOut().then(
          () => showSignedOut(),
          (error: unknown) => showSignedOut(describeProblem(error, 'sign out')),
        );
      }),
    );
    const problemSlot = h('div', { id: 'problem-slot' });
    const ordersSlot = h('div', {});
    const refreshButton = h('button', { type: 'button', class: 'primary', id: 'refresh-orders' }, 'Refresh orders');
    const orderButton = h('button', { type: 'button', class: 'secondary', id: 'place-order' }, 'Place an order');
    const granted = h('p', { class: 'granted', id: 'granted' }, `Access granted: ${session.scopes.join(', ')}`);

    const showProblem = (error: unknown, action: string) => {
      if (error instanceof UnauthorizedError) return showSignedOut(describeProblem(error, action));
      const problem = describeProblem(error, action);
      if (problem.retryAfterMs !== undefined) refreshButton.disabled = true;
      problemSlot.replaceChildren(problemView(problem, () => (refreshButton.disabled = false)));
    };
    const loadOrders = async () => {
      try {
        const page = await call(() => gatehouse.orders.list.query({ limit: 20 }));
        problemSlot.replaceChildren();
        ordersSlot.replaceChildren(ordersView(page.items));
      } catch (error) {
        showProblem(error, 'load your orders');
      }
    };
    refreshButton.addEventListener('click', () => void loadOrders());
    orderButton.addEventListener('click', () => {
      // This app asks only to read orders: placing one shows how a 403 names the scope it lacks.
      void call(() =>
        gatehouse.orders.create.mutate({
          items: [{ productId: 1, quantity: 1 }],
          shippingAddress: { line1: '1 Example Street', city: 'Berlin', postalCode: '10115', country: 'DE' },
          paymentMethod: 'credit_card',
        }),
      ).then(() => loadOrders(), (error: unknown) => showProblem(error, 'place an order'));
    });

    app.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'orders-title' }, h('h1', { id: 'orders-title' }, `${me.name}’s orders`), granted, problemSlot, ordersSlot, h('div', { class: 'actions' }, refreshButton, orderButton)),
    );
    await loadOrders();
  }

  try {
    if (location.pathname === '/cb') {
      const callback = new URL(location.href);
      // The code and state leave the address bar (and history) before anything else happens.
      history.replaceState(null, '', '/');
      await session.completeSignIn(callback);
      return await showSignedIn();
    }
    if (await session.restore()) return await showSignedIn();
    showSignedOut();
  } catch (error) {
    showSignedOut(describeProblem(error, 'sign in'));
  }
}

void start().catch((error: unknown) => {
  app.replaceChildren(problemView({ title: 'This app could not start', detail: error instanceof Error ? error.message : String(error) }));
});

export type { OAuthSession };
