import { describe, expect, it } from "vitest";
import { ChannelSendError } from "../../src/channels/port.js";
import { DEFAULT_DELIVERY_RETRY, nextDeliveryDelay } from "../../src/runtime/deliveryRetry.js";

describe("delivery retry delays", () => {
  const transient = new ChannelSendError("telegram.unavailable", "Internal Server Error");

  it("retries transient errors within seconds, doubling up to a bound, with jitter", () => {
    const low = [1, 2, 3, 4].map((n) => nextDeliveryDelay(transient, n, DEFAULT_DELIVERY_RETRY, () => 0));
    const high = [1, 2, 3, 4].map((n) =>
      nextDeliveryDelay(transient, n, DEFAULT_DELIVERY_RETRY, () => 0.999999),
    );
    expect(low).toEqual([500, 1000, 2000, 4000]);
    expect(high).toEqual([1000, 2000, 4000, 8000]);
    expect(nextDeliveryDelay(transient, 19, DEFAULT_DELIVERY_RETRY, () => 0.999999)).toBe(300_000);
  });

  it("honours a platform's retry_after exactly", () => {
    const limited = new ChannelSendError("telegram.rate_limited", "Too Many Requests", {
      retryAfterMs: 7_000,
    });
    for (const r of [0, 0.5, 0.99])
      expect(nextDeliveryDelay(limited, 3, DEFAULT_DELIVERY_RETRY, () => r)).toBe(7_000);
  });

  it("gives up on permanent errors and after the last attempt", () => {
    expect(
      nextDeliveryDelay(new ChannelSendError("telegram.blocked", "blocked", { permanent: true }), 1),
    ).toBeNull();
    expect(nextDeliveryDelay(transient, DEFAULT_DELIVERY_RETRY.maxAttempts)).toBeNull();
  });
});
