export { estimateInputTokens } from './answer.ts';
export type { ModelProtocolName, RecordedRequest } from './recorded-request.ts';
export {
  type ContextLengthOptions,
  type ErrorReplyOptions,
  ReplyBuilder,
  type ReplyOutcome,
  type ReplyPart,
  type ReplySpec,
  reply,
  type ScriptedUsage,
  type StopReason,
} from './reply.ts';
export {
  loadScript,
  parseScript,
  ReplyJson,
  replyFromJson,
  ScriptFile,
  ScriptFileError,
} from './script-file.ts';
export {
  createScriptedModelServer,
  type RequestResponder,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from './server.ts';
