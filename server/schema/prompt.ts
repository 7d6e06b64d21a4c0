import type { PromptVersion } from '../db/entities/prompt-version.entity.ts';
import { templateVariables } from '../engine/prompts/template.ts';
import {
  createPrompt,
  createPromptVersion,
  findPrompt,
  listPrompts,
} from '../experiments/prompts.ts';
import { builder } from './builder.ts';

const PromptVersionRef = builder.objectRef<PromptVersion>('PromptVersion').implement({
  description: 'One immutable version of a named prompt template (config.prompt: {name, version})',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeInt('version'),
    template: t.exposeString('template', {
      description: 'Text with {{question}}, {{context}} and {{metadata.<field>}} placeholders',
    }),
    variables: t.stringList({
      description: 'The variables the template uses',
      resolve: (p) => templateVariables(p.template),
    }),
    description: t.exposeString('description', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

interface PromptSummary {
  name: string;
  versions: PromptVersion[];
}

const PromptRef = builder.objectRef<PromptSummary>('Prompt').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    latestVersion: t.int({ resolve: (p) => p.versions.at(-1)?.version ?? 0 }),
    versions: t.field({
      type: [PromptVersionRef],
      description: 'Oldest first',
      resolve: (p) => p.versions,
    }),
  }),
});

builder.queryFields((t) => ({
  prompts: t.field({
    type: [PromptRef],
    description: 'Every stored prompt with its versions, by name',
    resolve: (_root, _args, ctx) => listPrompts(ctx.em),
  }),
  prompt: t.field({
    type: PromptVersionRef,
    description:
      'One version of a prompt; the latest when version is omitted. NOT_FOUND when there is none.',
    args: { name: t.arg.string({ required: true }), version: t.arg.int() },
    resolve: (_root, { name, version }, ctx) => findPrompt(ctx.em, name, version),
  }),
}));

const CreatePromptInput = builder.inputType('CreatePromptInput', {
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '1..100 letters, digits, "_", "-", "."; unique among prompts',
    }),
    template: t.string({
      required: true,
      description:
        'Variables: {{question}}, {{context}} (retrieved passages), {{metadata.<field>}}',
    }),
    description: t.string(),
  }),
});

const CreatePromptVersionInput = builder.inputType('CreatePromptVersionInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    template: t.string({ required: true }),
    baseVersion: t.int({
      required: true,
      description: 'The version this edit started from; CONFLICT unless it is still the latest',
    }),
    description: t.string({ description: 'Defaults to the previous version’s' }),
  }),
});

builder.mutationFields((t) => ({
  createPrompt: t.field({
    type: PromptVersionRef,
    description:
      'Stores version 1 of a new prompt. A name already taken is a CONFLICT; an unknown {{variable}} is BAD_USER_INPUT.',
    args: { input: t.arg({ type: CreatePromptInput, required: true }) },
    resolve: (_root, { input }, ctx) => createPrompt(ctx.em, input),
  }),
  createPromptVersion: t.field({
    type: PromptVersionRef,
    description:
      'Stores the next version of a prompt (versions never change). A stale baseVersion is a CONFLICT; nothing is stored.',
    args: { input: t.arg({ type: CreatePromptVersionInput, required: true }) },
    resolve: (_root, { input }, ctx) => createPromptVersion(ctx.em, input),
  }),
}));
