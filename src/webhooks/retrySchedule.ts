/** The retry settings of webhook deliveries (src/config.ts: WEBHOOK_RETRY_*). */
export interface RetrySettings {
  webhookRetryBaseMs: number;
  webhookRetryMaxDelayMs: number;
  webhookRetryForSeconds: number;
}

/**
 * Wait before retry n (1 for the retry after the first attempt): exponential backoff with "equal
 * jitter", between half and all of min(max, base × 2^(n−1)), so endpoints that failed together
 * (a receiver's outage) are not all called again at the same instant.
 */
export function retryDelayMs(n: number, s: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(s.webhookRetryMaxDelayMs, s.webhookRetryBaseMs * 2 ** Math.min(Math.max(n - 1, 0), 40));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type NextStep = { retry: true; delayMs: number } | { retry: false };

/**
 * After `attempts` failed attempts at a delivery created at `createdAt`: retry after a delay, unless
 * that retry would come more than WEBHOOK_RETRY_FOR_SECONDS after the event (then the delivery FAILS).
 */
export function nextStep(attempts: number, createdAt: Date, now: Date, s: RetrySettings, random?: () => number): NextStep {
  const delayMs = retryDelayMs(attempts, s, random);
  const deadline = createdAt.getTime() + s.webhookRetryForSeconds * 1000;
  return now.getTime() + delayMs > deadline ? { retry: false } : { retry: true, delayMs };
}
