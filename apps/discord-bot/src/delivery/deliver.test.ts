import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { isTransientDeliveryError } from './deliver.js';

const url = 'http://127.0.0.1/api/v10/webhooks/1/token/messages/@original';

describe('isTransientDeliveryError', () => {
  it('retries 5xx and socket failures, not 4xx or bugs', () => {
    expect(isTransientDeliveryError(new HTTPError(503, 'Service Unavailable', 'PATCH', url, {}))).toBe(true);
    const dropped = Object.assign(new Error('other side closed'), {
      name: 'SocketError',
      code: 'UND_ERR_SOCKET',
    });
    expect(isTransientDeliveryError(dropped)).toBe(true);
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(isTransientDeliveryError(refused)).toBe(true);
    const forbidden = new DiscordAPIError(
      { code: 50013, message: 'Missing Permissions' },
      50013,
      403,
      'POST',
      url,
      {},
    );
    expect(isTransientDeliveryError(forbidden)).toBe(false);
    expect(
      isTransientDeliveryError(new TypeError("Cannot read properties of undefined (reading 'id')")),
    ).toBe(false);
    expect(isTransientDeliveryError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
  });
});
