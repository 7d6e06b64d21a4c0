import { describeProviderScenarios } from './provider-scenarios.ts';

describeProviderScenarios('HUGGINGFACE');
