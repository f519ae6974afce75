// The ranked offline investigator's pure core: what the triage activity, the
// rank_suspects tool and the evaluation harness import.
export * from './types';
export { median, iqr, mad, mean, sd, quantile, robustBaseline, robustScore, sustained, sustainedWindow, firstSustained, seededRandom, type Baseline, type Floors, type Direction } from './stats';
export { analyseSignal, analyseService, analyseCrash, persistPoints, DEFAULT_ANALYSIS, SIGNAL_RULES, type AnalysisOptions, type SignalFinding, type CrashFinding, type SignalRule } from './signals';
export { rankSuspects, DEFAULT_RANK, formatSignalValue, type RankOptions } from './rank';
export { countLogTemplates, movedLogTemplates } from './logs';
export { confidenceFor, rootCauseText, describeRanking, verdictOf, NOT_DETERMINED, CONFIDENCE_MARGINS, type Verdict } from './report';
export { randomRanking, mostAlertsRanking, maxZRanking, baroRanking, detectOnset, servicesOf, metricsOf, type ServiceScore, type MetricSeries } from './baselines';
export { acAtK, avgAtK, hitAtK, type ScoredCase } from './evaluate';
export {
  ALERTS_QUERY,
  alertsFromMatrix,
  calleesOf,
  changesFromRows,
  CLIENT_ERRORS_QUERY,
  logLineOf,
  logTemplate,
  RATE_WINDOW_S,
  restartsFromStartTimes,
  servicesFromMatrices,
  SIGNAL_QUERIES,
  timeOfInterest,
  type ChangeRow,
  type Matrix,
} from './gather';
