using System.CommandLine;

namespace BilateralNeuro.Cli;

/// <summary>The <c>bilateral-neuro</c> command tree.</summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("BilateralNeuro: reproduce brain-inspired deep-learning papers over TorchSharp.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExperimentCommands.Bilateral());
        root.Subcommands.Add(ExperimentCommands.Synchrony());
        root.Subcommands.Add(ExperimentCommands.Resources());
        root.Subcommands.Add(ExperimentCommands.FaceAttention());
        root.Subcommands.Add(ExperimentCommands.Beyond());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }
}
