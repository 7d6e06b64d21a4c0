import type { KnowledgeBaseEntry } from '../engine/retrieval/catalog.ts';
import {
  DEFAULT_WORD_CHUNKING,
  KNOWLEDGE_BASE_FORMATS,
} from '../engine/retrieval/knowledge-base-import.ts';
import { ValidationError } from '../errors.ts';
import { importKnowledgeBase } from '../experiments/knowledge-base-imports.ts';
import { builder } from './builder.ts';
import { ModelEndpointInput } from './experiment-config.ts';

const KnowledgeBaseRef = builder.objectRef<KnowledgeBaseEntry>('KnowledgeBase').implement({
  description:
    'A corpus RAG retrieves passages from and the REACT agent searches (config.rag.knowledgeBase)',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    source: t.exposeString('source', { description: 'builtin or imported' }),
    documentCount: t.exposeInt('documentCount'),
    chunkCount: t.exposeInt('chunkCount', { description: 'Passages retrieval chooses from' }),
    chunkSize: t.int({
      nullable: true,
      description: 'Words per passage; null for the built-in corpus (sentence-packed passages)',
      resolve: (k) => k.chunking?.chunkSize ?? null,
    }),
    chunkOverlap: t.int({
      nullable: true,
      description: 'Words a passage repeats from the one before',
      resolve: (k) => k.chunking?.chunkOverlap ?? null,
    }),
    sizeChars: t.exposeInt('sizeChars', { description: 'Characters of document text' }),
    contentHash: t.exposeString('contentHash', {
      description: 'SHA-256 of the documents and the chunking',
    }),
  }),
});

builder.queryFields((t) => ({
  knowledgeBases: t.field({
    type: [KnowledgeBaseRef],
    description:
      'Every knowledge base an experiment can retrieve from, by name ("builtin" is always there)',
    resolve: (_root, _args, ctx) => ctx.datasets.knowledgeBases.list(),
  }),
}));

const KnowledgeBaseFormatEnum = builder.enumType('KnowledgeBaseFormat', {
  description:
    'JSON: an array of {title, text} or {id, title, text}. JSONL: one such object per line. CSV: a header with title,text[,id]. ' +
    'MARKDOWN / TEXT: the whole upload is one document (title: the `title` argument, else the first heading or line).',
  values: KNOWLEDGE_BASE_FORMATS,
});

const ImportKnowledgeBaseInput = builder.inputType('ImportKnowledgeBaseInput', {
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '1..100 letters, digits, "_", "-", "."; unique among knowledge bases',
    }),
    format: t.field({ type: KnowledgeBaseFormatEnum, required: true }),
    content: t.string({ description: 'The file as text (give this or `file`)' }),
    file: t.field({
      type: 'File',
      description: 'The file as an upload, in a GraphQL multipart request (give this or `content`)',
    }),
    description: t.string({ description: 'At most 10 000 characters' }),
    title: t.string({ description: 'MARKDOWN / TEXT: the title of the one document' }),
    chunkSize: t.int({
      description: `Words per passage, 8..4096; default ${DEFAULT_WORD_CHUNKING.chunkSize}`,
    }),
    chunkOverlap: t.int({
      description: `Words a passage repeats from the one before, 0..chunkSize−1; default ${DEFAULT_WORD_CHUNKING.chunkOverlap} (at most half of chunkSize)`,
    }),
    embedding: t.field({
      type: ModelEndpointInput,
      description:
        'Embeds the passages and builds the vector index for this model during the import, so DENSE/HYBRID/RERANKED runs with it start at once; if embedding fails nothing is stored (INDEX_BUILD_FAILED)',
    }),
  }),
});

builder.mutationFields((t) => ({
  importKnowledgeBase: t.field({
    type: KnowledgeBaseRef,
    description:
      'Registers a corpus for RAG and the agent search tool, chunked into word windows. Problems are BAD_USER_INPUT with the line ' +
      '(extensions.line); a name already taken is a CONFLICT; nothing is stored on error.',
    args: { input: t.arg({ type: ImportKnowledgeBaseInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      if ((input.content == null) === (input.file == null))
        throw new ValidationError('content', 'give either content or file');
      const content = input.content ?? (await (input.file as File).text());
      return importKnowledgeBase(ctx.em, ctx.datasets, { ...input, content }, ctx.retrieval);
    },
  }),
}));
