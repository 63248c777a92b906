import type { Logger } from 'pino';
import type { DifyClient } from '../../dify/client.js';
import { DifyError } from '../../dify/errors.js';
import { describeError } from '../log-fields.js';
import type { SharedFile, SlackDirectory } from '../ports.js';

/** Dify's limit for /audio-to-text (30 MiB). */
export const AUDIO_MAX_BYTES = 30 * 1024 * 1024;

export const isAudio = (f: SharedFile): boolean => f.mimeType.startsWith('audio/');

export interface Transcripts {
  /** What the clips said, in their order. */
  texts: string[];
  /** One short line per clip that could not be used (said above the answer). */
  problems: string[];
}

/**
 * Voice clips (Slack's audio clips, audio uploads) turned into text with the app's
 * speech-to-text (POST /v1/audio-to-text), fetched from Slack with the bot token (Slack hosts only).
 */
export async function transcribe(
  deps: { dify: Pick<DifyClient, 'audioToText'>; directory: Pick<SlackDirectory, 'fetchFile'> },
  app: { id: string; speechToText: boolean },
  clips: SharedFile[],
  who: { teamId: string; difyUser: string },
  logger: Logger,
): Promise<Transcripts> {
  const out: Transcripts = { texts: [], problems: [] };
  for (const clip of clips) {
    if (!app.speechToText) {
      out.problems.push(`${clip.name}: \`${app.id}\` does not turn voice into text (speech-to-text is off for it in Dify), so the clip was not used`);
      continue;
    }
    if (clip.size > AUDIO_MAX_BYTES) {
      out.problems.push(`${clip.name}: too large for Dify's speech-to-text (${Math.ceil(clip.size / 1024 / 1024)} MB; at most 30 MB)`);
      continue;
    }
    if (!clip.url) {
      out.problems.push(`${clip.name}: Slack gives no download for it`);
      continue;
    }
    try {
      const { data } = await deps.directory.fetchFile(who.teamId, clip.url, AUDIO_MAX_BYTES);
      const text = (await deps.dify.audioToText(app.id, { data, filename: clip.name, mimeType: clip.mimeType, user: who.difyUser })).trim();
      if (text) out.texts.push(text);
      else out.problems.push(`${clip.name}: Dify heard no words in it`);
    } catch (err) {
      logger.warn({ err: describeError(err), file: clip.name }, 'could not transcribe a voice clip');
      const why =
        err instanceof DifyError && err.code === 'unsupported_audio_type'
          ? `Dify does not take this audio format (${clip.mimeType}; mp3, m4a, wav and amr work)`
          : err instanceof DifyError
            ? `Dify could not transcribe it (${err.code})`
            : 'it could not be read';
      out.problems.push(`${clip.name}: ${why}`);
    }
  }
  return out;
}
