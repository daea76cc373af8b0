import { defineBackground } from 'wxt/utils/define-background';
import { startRelayBridge } from '../lib/relay-bridge';

// The background owns the relay client; panel and options reach it through lib/messaging.ts.
export default defineBackground(() => startRelayBridge());
