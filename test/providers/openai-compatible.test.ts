import { describeProviderScenarios } from './provider-scenarios.ts';

describeProviderScenarios('OPENAI_COMPATIBLE');
