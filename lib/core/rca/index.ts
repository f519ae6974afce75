// The ranked offline investigator's pure core: what the triage activity, the
// rank_suspects tool and the evaluation harness import.
export * from './types';
export { median, iqr, mad, mean, sd, quantile, robustBaseline, robustScore, sustained, firstSustained, seededRandom, type Baseline, type Floors, type Direction } from './stats';
export { analyseSignal, analyseService, analyseCrash, DEFAULT_ANALYSIS, SIGNAL_RULES, type AnalysisOptions, type SignalFinding, type CrashFinding, type SignalRule } from './signals';
export { rankSuspects, DEFAULT_RANK, type RankOptions } from './rank';
export { countLogTemplates, movedLogTemplates } from './logs';
export { confidenceFor, rootCauseText, describeRanking, NOT_DETERMINED, CONFIDENCE_MARGINS } from './report';
export { randomRanking, mostAlertsRanking, maxZRanking, baroRanking, detectOnset, servicesOf, metricsOf, type ServiceScore, type MetricSeries } from './baselines';
export { acAtK, avgAtK, hitAtK, type ScoredCase } from './evaluate';
