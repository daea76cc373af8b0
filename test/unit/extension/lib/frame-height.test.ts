import { describe, expect, it } from 'vitest';
import { HEIGHT_MESSAGE, heightFrom } from '../../../../extension/lib/frame-height';

// Stand-ins for the windows involved: heightFrom only compares identities and reads the data.
const panelWindow = {} as Window;
const otherWindow = {} as Window;
const panel = { contentWindow: panelWindow } as HTMLIFrameElement;
const message = (data: unknown, source: Window | null) => ({ data, source }) as MessageEvent;

describe('the panel frame height', () => {
  it('is taken from the panel frame, clamped', () => {
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 512.2 }, panelWindow), panel)).toBe(513);
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 10 }, panelWindow), panel)).toBe(160);
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 1e9 }, panelWindow), panel)).toBe(2000);
  });

  it('is ignored from any other window, such as the page itself', () => {
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 500 }, window), panel)).toBeNull();
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 500 }, otherWindow), panel)).toBeNull();
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: 500 }, null), panel)).toBeNull();
    expect(
      heightFrom(message({ [HEIGHT_MESSAGE]: 500 }, null), { contentWindow: null } as HTMLIFrameElement),
    ).toBeNull();
  });

  it('is ignored when it is not a number', () => {
    expect(heightFrom(message({ [HEIGHT_MESSAGE]: '500' }, panelWindow), panel)).toBeNull();
    expect(heightFrom(message('hello', panelWindow), panel)).toBeNull();
    expect(heightFrom(message(null, panelWindow), panel)).toBeNull();
  });
});
