using System.CommandLine;
using BilateralNeuro.Cli;

// Ctrl+C / SIGTERM cancel the experiment's token; training stops after the current step and the finished units and
// epoch checkpoints stay on disk. The generous timeout lets evaluation passes in flight finish instead of the process
// being torn down after System.CommandLine's default 2 s.
// A worker process of a parallel run (ExperimentWorkers: face attention, synchrony) serves its units and exits here.
if (ExperimentWorkers.ServeIfWorker(FaceAttentionWorkers.Experiment, SynchronyWorkers.Experiment) is { } workerExit) return workerExit;
return await CliApp.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(2) });
