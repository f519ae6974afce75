// The shop's load generator: `rps` checkouts a second to the gateway (one in five
// a listing instead), so every metric has a baseline before anything breaks. It
// ignores the answers: the services' own metrics and logs tell what happened.
import { urlOf, type ShopSettings } from './topology';

const REQUEST_TIMEOUT_MS = 10_000;

export function runLoadgen(settings: ShopSettings): { stop(): void } {
  if (settings.rps <= 0) return { stop: () => {} };
  const base = urlOf(settings, 'gateway');
  let sent = 0;
  const timer = setInterval(() => {
    const path = ++sent % 5 === 0 ? '/api/orders' : '/api/checkout';
    void fetch(base + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }, 1000 / settings.rps);
  return { stop: () => clearInterval(timer) };
}
