import type { Order, PublicUser } from '@gatehouse/contracts';
import type { Problem } from './describe-problem.js';

/** Builds an element; text goes in as text nodes, never as HTML, so nothing from the server is ever parsed as markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: ReadonlyArray<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function signedOutView(onSignIn: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary', id: 'sign-in' }, 'Sign in with Gatehouse');
  button.addEventListener('click', onSignIn);
  return h('section', { class: 'card', 'aria-labelledby': 'welcome' }, h('h1', { id: 'welcome' }, 'Your orders, in one place'), h('p', {}, 'Sign in with your Gatehouse account to see them.'), button);
}

export function accountView(user: PublicUser, onSignOut: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'link', id: 'sign-out' }, 'Sign out');
  button.addEventListener('click', onSignOut);
  return h('span', {}, h('span', { class: 'who' }, `${user.name} · ${user.email}`), button);
}

export function ordersView(orders: readonly Order[]): HTMLElement {
  if (orders.length === 0) return h('p', { id: 'orders', class: 'empty' }, 'No orders yet.');
  const rows = orders.map((order) =>
    h(
      'tr',
      {},
      h('td', {}, h('code', {}, order.id.slice(0, 8))),
      h('td', {}, new Date(order.createdAt).toLocaleDateString()),
      h('td', {}, `${order.items.reduce((sum, item) => sum + item.quantity, 0)} item(s)`),
      h('td', {}, h('span', { class: `status ${order.status}` }, order.status)),
    ),
  );
  return h(
    'table',
    { id: 'orders' },
    h('caption', { class: 'sr-only' }, 'Your orders, newest first'),
    h('thead', {}, h('tr', {}, ...['Order', 'Placed', 'Items', 'Status'].map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, ...rows),
  );
}

/**
 * A problem, announced (role=alert). A 429's countdown ticks in its own
 * element, outside the alert, so a screen reader hears the problem once and
 * not every second; `onReady` runs when the wait is over.
 */
export function problemView(problem: Problem, onReady?: () => void): HTMLElement {
  const box = h('div', { class: 'problem', id: 'problem' }, h('div', { role: 'alert' }, h('strong', {}, problem.title), h('p', {}, problem.detail)));
  if (problem.retryAfterMs !== undefined) {
    const countdown = h('p', { class: 'countdown', id: 'countdown', 'aria-live': 'off' });
    const until = Date.now() + problem.retryAfterMs;
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (seconds > 0) {
        countdown.textContent = `You can try again in ${seconds} s.`;
        return;
      }
      clearInterval(timer);
      countdown.textContent = 'You can try again now.';
      countdown.setAttribute('aria-live', 'polite');
      onReady?.();
    };
    const timer = setInterval(tick, 250);
    tick();
    box.append(countdown);
  }
  if (problem.requestId !== undefined) box.append(h('p', { class: 'request-id' }, `Request id: ${problem.requestId}`));
  return box;
}
