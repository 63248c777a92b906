import type { DifyFile } from '../../dify/client.js';

/** What files an app takes, from its /parameters (file_upload and system_parameters). */
export interface FilePolicy {
  enabled: boolean;
  types: DifyFile['type'][];
  /** Lower-case, with the dot; empty: any extension of an allowed type. */
  extensions: string[];
  maxCount: number;
  maxBytes: Record<DifyFile['type'], number>;
}

const MB = 1024 * 1024;
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : fallback);

/**
 * Reads both shapes Dify has used: 1.x `{enabled, allowed_file_types, allowed_file_extensions,
 * allowed_file_upload_methods, number_limits}` and the older `{image: {enabled, number_limits,
 * transfer_methods}}`. Files go up as local_file, so that method must be allowed.
 */
export function parseFilePolicy(fileUpload: unknown, systemParameters: unknown): FilePolicy {
  const f = obj(fileUpload);
  const sys = obj(systemParameters);
  const image = obj(f['image']);
  const methods = Array.isArray(f['allowed_file_upload_methods'])
    ? f['allowed_file_upload_methods']
    : Array.isArray(image['transfer_methods'])
      ? image['transfer_methods']
      : ['local_file'];
  const localAllowed = methods.includes('local_file');
  let types: DifyFile['type'][] = [];
  if (f['enabled'] === true && Array.isArray(f['allowed_file_types'])) {
    types = f['allowed_file_types'].filter((t): t is DifyFile['type'] => ['image', 'document', 'audio', 'video', 'custom'].includes(String(t)));
  } else if (image['enabled'] === true) {
    types = ['image'];
  }
  const general = num(sys['file_size_limit'], 15) * MB;
  return {
    enabled: localAllowed && types.length > 0,
    types,
    extensions: Array.isArray(f['allowed_file_extensions']) ? f['allowed_file_extensions'].map((e) => String(e).toLowerCase().replace(/^\.?/, '.')) : [],
    maxCount: num(f['number_limits'] ?? image['number_limits'], 3),
    maxBytes: {
      image: num(sys['image_file_size_limit'], 10) * MB,
      audio: num(sys['audio_file_size_limit'], 50) * MB,
      video: num(sys['video_file_size_limit'], 100) * MB,
      document: general,
      custom: general,
    },
  };
}

export const NO_FILES: FilePolicy = {
  enabled: false,
  types: [],
  extensions: [],
  maxCount: 0,
  maxBytes: { image: 0, audio: 0, video: 0, document: 0, custom: 0 },
};

/** Dify's file `type` from a MIME type. */
export function difyFileType(mime: string): DifyFile['type'] {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

/** Why a file cannot go to the app, or undefined when it can. */
export function refusal(policy: FilePolicy, file: { name: string; mimeType: string; size: number }, index: number): string | undefined {
  if (!policy.enabled) return 'this app does not take files';
  if (index >= policy.maxCount) return `the app takes at most ${policy.maxCount} file${policy.maxCount === 1 ? '' : 's'}`;
  const type = difyFileType(file.mimeType);
  const ext = /\.[^.]+$/.exec(file.name)?.[0]?.toLowerCase();
  // Dify's allowed extensions belong to its "custom" (other) file type.
  const byExtension = policy.types.includes('custom') && ext !== undefined && policy.extensions.includes(ext);
  if (!policy.types.includes(type) && !byExtension) {
    const kinds = [...policy.types.filter((t) => t !== 'custom'), ...(policy.types.includes('custom') ? policy.extensions : [])];
    return `the app takes ${kinds.join(', ')} files only`;
  }
  const limit = policy.maxBytes[type];
  if (file.size > limit) return `it is larger than the app's ${Math.round(limit / MB)} MB limit`;
  return undefined;
}
