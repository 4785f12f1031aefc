/**
 * Transformed attributes (spec §12): STRING, LIST, DICT and CHAT templates. The field of the
 * chosen `type` is required; the others are cleared. CHAT message contents must be strings
 * (no coercion). Types are parsed to upper case, roles to lower case.
 *
 * @module
 */
import { z } from "zod";
import { isRecord } from "../pyValues.ts";
import {
  asList,
  EVEN_IF_INVALID,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  pyEnum,
  report,
  str,
} from "./leaves.ts";
import { RoleSchema } from "./attributes.ts";

/** A message of a CHAT transform: content must be a non-empty string (no coercion). */
const ChatMessageSchema = obj("Message", {
  role: RoleSchema,
  content: z.unknown(),
  id: opt(str()),
}).superRefine((value, ctx) => {
  const content = (value as Record<string, unknown>).content;
  if (content !== undefined && typeof content !== "string") {
    report(ctx, ["content"], "chat_transform message content must be a string");
  } else if (content === "") {
    report(ctx, ["content"], "chat_transform message content cannot be empty");
  }
}, EVEN_IF_INVALID).transform(({ role, content }) => ({ role, content: content as string }));

/** `transformation_strategy.chat_transform` (§12). */
export const ChatTransformSchema = obj("TextConversation", {
  messages: list(ChatMessageSchema).default([]),
  conversation_id: opt(str()).describe("Kept verbatim; default `<attribute id>-<uuid4>`"),
  metadata: opt(map()).describe("Values are templates"),
});

const TRANSFORM_TYPES = ["STRING", "LIST", "DICT", "CHAT"] as const;
type TransformType = (typeof TRANSFORM_TYPES)[number];

const TRANSFORM_FIELD: Record<TransformType, string> = {
  STRING: "string_transform",
  LIST: "list_transform",
  DICT: "dict_transform",
  CHAT: "chat_transform",
};

function isEmptyTransform(type: TransformType, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (type === "STRING") return value === "";
  if (type === "LIST") return Array.isArray(value) && value.length === 0;
  if (type === "DICT") return isRecord(value) && Object.keys(value).length === 0;
  return isRecord(value) && asList(value.messages).length === 0;
}

/** `transformed_attributes[].transformation_strategy` (§12); fields of other types are cleared. */
export const TransformationStrategySchema = obj("TransformationStrategy", {
  type: pyEnum<TransformType>("TransformationType", TRANSFORM_TYPES),
  string_transform: opt(str()),
  list_transform: opt(list(str())),
  dict_transform: opt(map(str())),
  chat_transform: opt(ChatTransformSchema),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const type = TRANSFORM_TYPES.find((t) => t === v.type);
  if (type && isEmptyTransform(type, v[TRANSFORM_FIELD[type]])) {
    const field = TRANSFORM_FIELD[type];
    report(ctx, [field], `${field} cannot be empty when type=${type}`);
  }
}, EVEN_IF_INVALID).transform((v) => ({
  type: v.type,
  string_transform: v.type === "STRING" ? v.string_transform : null,
  list_transform: v.type === "LIST" ? v.list_transform : null,
  dict_transform: v.type === "DICT" ? v.dict_transform : null,
  chat_transform: v.type === "CHAT" ? v.chat_transform : null,
}));

/** One `transformed_attributes[]` entry (§12). */
export const TransformedAttributeSchema = obj("TransformedAttribute", {
  id: nonEmptyStr("TransformedAttribute.id cannot be empty."),
  transformation_strategy: TransformationStrategySchema,
});

/** A validated CHAT transform. */
export type ChatTransform = z.output<typeof ChatTransformSchema>;
/** A validated transformation strategy (only the field of its `type` is non-null). */
export type TransformationStrategy = z.output<typeof TransformationStrategySchema>;
/** A validated transformed attribute. */
export type TransformedAttribute = z.output<typeof TransformedAttributeSchema>;
