/**
 * werift peer connections as the media server uses them: H.264 (constrained baseline,
 * packetization-mode 1) and Opus only, ICE host candidates on the configured addresses (loopback by
 * default: werift leaves 127.0.0.1 out unless told), no STUN/TURN, and the answer returned once
 * gathering completes (non-trickle on our side: the answer carries every candidate, so a WHEP/WHIP
 * client needs no PATCH from us).
 */
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  RTCSessionDescription,
} from 'werift';
import { RtcError } from './errors.ts';

export interface PeerOptions {
  readonly iceAddresses: readonly string[];
  readonly icePortRange: readonly [number, number] | undefined;
}

/** H.264 as every browser decodes it; the sample and WHIP publishers must send this profile family. */
const h264 = (): RTCRtpCodecParameters =>
  new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90_000,
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  });

const opus = (): RTCRtpCodecParameters =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 });

export function createPeer(options: PeerOptions): RTCPeerConnection {
  // Bind ICE sockets to the configured address only (not 0.0.0.0), so neither the sockets nor the
  // answer's candidates reach interfaces the operator did not name.
  const bindV4 = options.iceAddresses.find((a) => /^[\d.]+$/.test(a));
  return new RTCPeerConnection({
    codecs: { video: [h264()], audio: [opus()] },
    iceAdditionalHostAddresses: [...options.iceAddresses],
    ...(bindV4 ? { iceInterfaceAddresses: { udp4: bindV4 } } : {}),
    iceUseIpv6: false,
    ...(options.icePortRange ? { icePortRange: [options.icePortRange[0], options.icePortRange[1]] } : {}),
  });
}

/**
 * Offers worth handing to werift: SDP text with one audio and/or one video section, bundled when
 * there are two. werift opens a UDP socket pair per unbundled section, so an offer of many sections
 * (or many offers of them) would exhaust file descriptors; a browser's WHEP/WHIP offer never has more.
 */
export function checkOfferText(sdp: string): void {
  if (!sdp.startsWith('v=0')) throw new RtcError('RTC_ERR_BAD_SDP', 'body is not an SDP offer (no v=0)');
  const sections = sdp.split(/\r?\n(?=m=)/).slice(1);
  const kinds = sections.map((s) => /^m=(\S+)/.exec(s)?.[1] ?? '');
  if (!kinds.some((k) => k === 'audio' || k === 'video'))
    throw new RtcError('RTC_ERR_BAD_SDP', 'the offer has no audio or video media section');
  if (kinds.some((k) => k !== 'audio' && k !== 'video'))
    throw new RtcError('RTC_ERR_BAD_SDP', 'only audio and video media sections are accepted');
  if (sections.length > MAX_MEDIA_SECTIONS || new Set(kinds).size !== kinds.length)
    throw new RtcError('RTC_ERR_BAD_SDP', 'the offer may have at most one audio and one video section');
  if (sections.length === 2) {
    const mids = sections.map((s) => /^a=mid:(\S+)/m.exec(s)?.[1]);
    const bundle = /^a=group:BUNDLE((?: +\S+)*)\s*$/m.exec(sdp)?.[1]?.trim().split(/ +/) ?? [];
    if (!mids.every((mid) => mid !== undefined && bundle.includes(mid)))
      throw new RtcError(
        'RTC_ERR_BAD_SDP',
        'an offer with audio and video must bundle them (a=group:BUNDLE with both mids)',
      );
  }
}

/** One audio and one video section: what WHEP/WHIP clients send. */
const MAX_MEDIA_SECTIONS = 2;
/** Candidates one PATCH may add, and one session over its life (a host has a handful of addresses). */
export const MAX_TRICKLE_CANDIDATES_PER_PATCH = 20;
export const MAX_TRICKLE_CANDIDATES_PER_SESSION = 100;

/** Keeps only the answer's `a=candidate` lines whose address is one of `allowed` (no other interface leaks). */
export function keepCandidates(sdp: string, allowed: readonly string[]): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || allowed.includes(line.split(' ')[4] ?? ''))
    .join('\r\n');
}

/**
 * Applies the offer, lets `configure` set each transceiver's direction (and attach senders), and
 * returns the answer SDP once ICE gathering is complete (bounded by `gatherTimeoutMs`).
 */
export async function answerOffer(
  pc: RTCPeerConnection,
  offerSdp: string,
  configure: (transceivers: readonly RTCRtpTransceiver[]) => void,
  gatherTimeoutMs = 5_000,
): Promise<string> {
  try {
    await pc.setRemoteDescription(new RTCSessionDescription(offerSdp, 'offer'));
  } catch (e) {
    throw new RtcError('RTC_ERR_BAD_SDP', 'the offer could not be applied', { cause: e });
  }
  const media = pc.getTransceivers().filter((t) => t.kind === 'audio' || t.kind === 'video');
  if (media.length === 0)
    throw new RtcError('RTC_ERR_BAD_SDP', 'the offer has no audio or video media section');
  configure(media);
  try {
    await pc.setLocalDescription(await pc.createAnswer());
  } catch (e) {
    throw new RtcError('RTC_ERR_BAD_SDP', 'no answer matches the offer (H.264 and Opus are supported)', {
      cause: e,
    });
  }
  await gathered(pc, gatherTimeoutMs);
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new RtcError('RTC_ERR_INTERNAL', 'no local description');
  if (!/^m=video [1-9]/m.test(sdp) && !/^m=audio [1-9]/m.test(sdp))
    throw new RtcError('RTC_ERR_BAD_SDP', 'no media section was accepted (H.264 and Opus are supported)');
  return sdp;
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done(): void {
      clearTimeout(timer);
      unSubscribe();
      resolve();
    }
  });
}

/**
 * Adds the `a=candidate` lines of a trickle-ice-sdpfrag (RFC 8840) body; bad lines are ignored.
 * More than `limit` candidate lines is a 400 before any is added (each costs ICE checks).
 */
export async function addTrickleCandidates(
  pc: RTCPeerConnection,
  fragment: string,
  limit = MAX_TRICKLE_CANDIDATES_PER_PATCH,
): Promise<number> {
  const lines = fragment.split(/\r?\n/);
  const count = lines.filter((l) => l.trim().startsWith('a=candidate:')).length;
  if (count > limit)
    throw new RtcError('RTC_ERR_BAD_SDP', `too many ICE candidates (at most ${limit} more for this session)`);
  let mid: string | undefined;
  let added = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('a=mid:')) mid = line.slice(6);
    else if (line.startsWith('a=candidate:')) {
      try {
        await pc.addIceCandidate({
          candidate: line.slice(2),
          ...(mid === undefined ? { sdpMLineIndex: 0 } : { sdpMid: mid }),
        });
        added++;
      } catch {
        // A candidate we cannot use (mDNS name, unknown mid) is not the client's error: ICE goes on.
      }
    }
  }
  return added;
}
