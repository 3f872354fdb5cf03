import { FOLD_VERSION } from '@checkout/domain';
import type { Logger } from './logger.ts';
import type { GenerationsView } from './status-report.ts';

export interface FoldVersionCheck {
  /** The active generation's name (`base` for the unprefixed keys). */
  generation: string;
  /** The fold version its info records, or null (base, or built before it was recorded). */
  builtBy: string | null;
  /** True when it was built by another fold version than this projector's. */
  mismatch: boolean;
  message: string;
}

/**
 * Which fold built the generation readers read, against the one this projector folds with.
 * After a fix to the fold is deployed, the old generation still holds what the faulty fold
 * made: the projector says so at start, and `/status` shows it, until a rebuild replaces it.
 */
export function checkFoldVersion(view: GenerationsView): FoldVersionCheck {
  const generation = view.active ?? 'base';
  const info = view.generations.find(({ id }) => id === view.active)?.info;
  const builtBy = info?.fold_version ?? null;
  if (builtBy === null) {
    return {
      generation,
      builtBy,
      mismatch: false,
      message: `the active generation ${generation} records no fold version (written by live projectors, or built before fold versions were recorded); each snapshot's meta.fold_version says which fold touched it; this projector folds with version ${FOLD_VERSION}`,
    };
  }
  const mismatch = builtBy !== String(FOLD_VERSION);
  return {
    generation,
    builtBy,
    mismatch,
    message: mismatch
      ? `the active generation ${generation} was built by fold version ${builtBy}, this projector folds with version ${FOLD_VERSION}: its snapshots hold what the other fold made until a rebuild replaces them (checkout-rebuild --from-offset earliest; README runbook, "A bug in the fold shipped")`
      : `the active generation ${generation} was built by fold version ${builtBy}, the one this projector folds with`,
  };
}

/**
 * One line at start about which fold built the generation readers read ({@link
 * checkFoldVersion}): a warning when it was another fold version than this projector's.
 */
export async function reportFoldVersion(
  generations: () => Promise<GenerationsView>,
  log: Logger,
): Promise<void> {
  try {
    const check = checkFoldVersion(await generations());
    const fields = {
      generation: check.generation,
      built_by_fold_version: check.builtBy,
      fold_version: FOLD_VERSION,
    };
    if (check.mismatch) log.warn(fields, check.message);
    else log.info(fields, check.message);
  } catch (error) {
    log.warn(
      { err: error },
      'cannot read which fold version built the active generation (the store does not answer); /status shows it once it does',
    );
  }
}
