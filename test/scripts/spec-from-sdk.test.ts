// The hand specs of spec/handwritten/ are what `npm run spec:sdk` writes from the official Python SDK's models (plus
// facts added by hand, which it keeps): when the SDK is beside the checkout, they must match it.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SDK_DIR, main } from '../../scripts/spec-from-sdk.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('spec:sdk', () => {
  it.skipIf(!existsSync(DEFAULT_SDK_DIR))('finds every hand spec as the SDK models give it (--check)', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(main(['--check'])).toBe(0);
    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith("spec:sdk: 25 hand specs match the SDK's models");
  });

  it('says where it looked when the SDK is not there', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(main(['/nonexistent/sdk', '--check'])).toBe(1);
    expect(error).toHaveBeenCalledWith('spec:sdk: the Python SDK was not found at /nonexistent/sdk');
  });
});
