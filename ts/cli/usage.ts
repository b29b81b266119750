/** The usage text of each command, apart from their code so that `detector1` loads only the command it runs. */
export const runUsage = `  detector1 run <uncal.fits> [--config PARS.asdf|.yaml|.json|.cfg] [--crds-path DIR]
                 [--crds-context NAME] [--output-dir DIR] [--threads N] [--explain-refs]
                 [--quiet] [--json] [--disable-crds-steppars] [--banded | --no-banded]
                 [--<param>=V] [--steps.<step>.<param>=V]
                                         the Detector1 pipeline (strun calwebb_detector1): references
                                         from the CRDS cache (CRDS_PATH), writes _rate/_rateints;
                                         near-IR exposures without ZEROFRAME go by row bands, one
                                         worker task a band, where they can; --banded: by row
                                         bands wherever the steps allow (less memory); --no-banded:
                                         never
  detector1 step <step> <input.fits> [--<param>=V] [run's cache/output/thread options]
                                         one step alone (strun <step>), writes <root>_<step>.fits`;

export const simulateUsage = `  detector1 simulate --instrument nircam|nirspec|miri [--detector NAME] [--subarray NAME]
                     [--readpatt NAME] --ngroups N [--nints N] [--seed N] [--output-dir DIR]
                     [--zeroframe | --no-zeroframe] [--tso] [--cosmic-rays N] [--snowballs N]
                     [--showers N] [--name STEM] [--crds-cache DIR]
                                         simulate an exposure (uncal + injected-rate truth); with
                                         --crds-cache also write references and CRDS mappings`;

export const previewUsage = `  detector1 preview <file.fits> -o OUT.png [--ext SCI] [--integration N]
                    [--interval zscale|minmax|percentile:P] [--stretch asinh|linear]
                    [--asinh-a A] [--nan-color black|white|red|green|blue|#rrggbb] [--size N]
                                         quick-look PNG of a 2-D image (3-D: integration N,
                                         0-based, default 0); zscale + asinh(a=0.1) by default;
                                         --size N block-averages to at most N pixels a side`;
