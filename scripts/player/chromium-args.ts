/**
 * Chromium switches WebRTC pages need on one machine (tests in test/playback and bench/webrtc).
 * No I/O; Node-only consumers.
 */

/**
 * ICE over 127.0.0.1 (Chromium drops loopback candidates otherwise), plain host candidates instead
 * of mDNS names (the media server does not resolve `.local`), and a fake camera and microphone that
 * need no permission prompt.
 */
export const WEBRTC_CHROMIUM_ARGS = [
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
] as const;
