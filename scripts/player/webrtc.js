// WHEP playback and WHIP publishing for the dev player page (index.html loads this when the URL
// has ?whep=<url> or ?whip=<url>). State goes to window.__player for humans and tests:
// frames (decoded video frames), joinMs (POST → first decoded frame), connection, fatal, session.
// A token in the URL (?token=) is also sent as `Authorization: Bearer` (WHIP/WHEP's own way).
/* global window, document, location, performance, fetch, RTCPeerConnection, MediaStream, navigator */
(() => {
  const params = new URLSearchParams(location.search);
  if (!params.has('whep') && !params.has('whip')) return; // HLS mode: index.html plays with hls.js
  window.__webrtc = true;
  const mode = params.has('whip') ? 'whip' : 'whep';
  const endpoint = new URL(params.get(mode), location.href).href;
  const state = {
    mode,
    src: endpoint,
    frames: 0,
    joinMs: null,
    connection: 'new',
    fatal: null,
    errors: [],
    session: null,
    currentTime: 0,
  };
  window.__player = state;
  const video = document.getElementById('video');
  const status = document.getElementById('status');
  const render = () => {
    status.textContent = [
      `${mode.toUpperCase()}: ${endpoint}`,
      `connection: ${state.connection}  decoded frames: ${state.frames}  join: ${state.joinMs === null ? '-' : `${Math.round(state.joinMs)} ms`}`,
      state.fatal ? `FATAL: ${state.fatal}` : `errors: ${state.errors.length}`,
    ].join('\n');
  };
  const fail = (why) => {
    state.fatal = why;
    render();
  };

  const headersFor = (type) => {
    const headers = { 'content-type': type };
    const token = new URL(endpoint).searchParams.get('token');
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  };
  const gathered = (pc) =>
    new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, 2000); // loopback gathers in milliseconds; never wait forever
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(t);
          resolve();
        }
      });
    });
  const countFrames = (started) => {
    const tick = (_now, meta) => {
      state.frames = meta.presentedFrames;
      state.currentTime = video.currentTime;
      if (state.joinMs === null) state.joinMs = performance.now() - started;
      render();
      video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
  };
  // Publisher source: ?source=clock draws Date.now() as 48 black/white blocks (bench glass-to-glass);
  // anything else uses the camera (Chromium's fake one in tests).
  const publishStream = async () => {
    if (params.get('source') !== 'clock')
      return navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const ctx = canvas.getContext('2d');
    const draw = () => {
      const t = Date.now();
      ctx.fillStyle = '#808080';
      ctx.fillRect(0, 0, 640, 360);
      for (let i = 0; i < 48; i++) {
        ctx.fillStyle = Math.floor(t / 2 ** i) % 2 ? '#fff' : '#000';
        ctx.fillRect((i % 12) * 52 + 8, Math.floor(i / 12) * 52 + 8, 48, 48);
      }
    };
    draw();
    setInterval(draw, 1000 / 60);
    return canvas.captureStream(30);
  };

  async function start() {
    const pc = new RTCPeerConnection();
    window.__pc = pc;
    pc.addEventListener('connectionstatechange', () => {
      state.connection = pc.connectionState;
      render();
    });
    if (mode === 'whep') {
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      const stream = new MediaStream();
      pc.addEventListener('track', (e) => {
        stream.addTrack(e.track);
        if (video.srcObject !== stream) video.srcObject = stream;
        video.play().catch(() => {});
      });
    } else {
      const media = await publishStream();
      for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      video.srcObject = media;
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const started = performance.now();
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: headersFor('application/sdp'),
      body: pc.localDescription.sdp,
    });
    const text = await res.text();
    if (res.status !== 201) {
      let code = '';
      try {
        code = JSON.parse(text).code;
      } catch {}
      return fail(`${mode}:${res.status}${code ? ` ${code}` : ''}`);
    }
    state.session = new URL(res.headers.get('location'), endpoint).href;
    await pc.setRemoteDescription({ type: 'answer', sdp: text });
    if (mode === 'whep') countFrames(started);
    render();
  }

  // WHIP/WHEP teardown: DELETE the session resource (keepalive so it survives the page closing).
  window.__rtcStop = async () => {
    if (!state.session) return 0;
    const res = await fetch(state.session, {
      method: 'DELETE',
      headers: headersFor('text/plain'),
      keepalive: true,
    });
    window.__pc?.close();
    return res.status;
  };
  // Exposed so a test can remove it and close the page like a crashed tab (no DELETE sent).
  window.__rtcPagehide = () => {
    window.__rtcStop().catch(() => {});
  };
  window.addEventListener('pagehide', window.__rtcPagehide);
  start().catch((e) => fail(`${mode}:${e?.message ?? e}`));
  render();
})();
