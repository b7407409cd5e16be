using System.CommandLine;
using System.CommandLine.Help;

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

    /// <summary>
    /// Parses and runs. Parse and validation errors follow the CLI's one rule: every problem of the command line on
    /// one line ("COMMAND: error: A; B (see COMMAND --help)") on standard error, exit code 2, no stack trace.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            var command = parse.CommandResult.Command;
            var name = command is RootCommand ? "bilateral-neuro" : $"bilateral-neuro {command.Name}";
            var problems = parse.Errors.Select(e => e.Message.Trim().TrimEnd('.')).Distinct().ToList();
            Console.Error.WriteLine($"{name}: error: {string.Join("; ", problems)}. See {name} --help.");
            return Task.FromResult(2);
        }
        return parse.InvokeAsync(configuration ?? new InvocationConfiguration());
    }
}
