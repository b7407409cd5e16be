using System.Reflection;
using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using FluentAssertions;
using Xunit;
using BilateralNeuro.Reporting;

namespace BilateralNeuro.Tests.Experiments;

public class ExperimentShapeTests
{
    private static List<Type> Experiments() => typeof(IExperiment<,>).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == "BilateralNeuro.Experiments" && t.IsClass && !t.IsAbstract && t.Name.EndsWith("Experiment", StringComparison.Ordinal))
        .OrderBy(t => t.Name).ToList();

    private static Type? Contract(Type t) =>
        t.GetInterfaces().SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IExperiment<,>));

    [Fact]
    public void The_six_experiments_are_found()
    {
        Experiments().Select(t => t.Name).Should().BeEquivalentTo(
            ["BilateralExperiment", "BeyondExperiment", "SynchronyExperiment", "ResourceTradeOffExperiment", "OcclusionTimeExperiment", "FaceAttentionExperiment"]);
    }

    [Fact]
    public void Every_experiment_has_one_shape_options_in_context_to_typed_result_table()
    {
        foreach (var t in Experiments())
        {
            var contract = Contract(t);
            contract.Should().NotBeNull($"{t.Name} must implement IExperiment<TOptions, TResult>");
            var (options, result) = (contract!.GetGenericArguments()[0], contract.GetGenericArguments()[1]);
            typeof(IExperimentResult).IsAssignableFrom(result).Should().BeTrue($"{t.Name}'s result {result.Name} exposes its ResultTable");
            result.GetProperty(nameof(IExperimentResult.Table))!.PropertyType.Should().Be(typeof(ResultTable));

            // Options in: a public constructor whose first parameter is the options type, any others optional.
            t.GetConstructors().Should().Contain(c => c.GetParameters().Length > 0 && c.GetParameters()[0].ParameterType == options
                && c.GetParameters().Skip(1).All(p => p.IsOptional), $"{t.Name} is constructed from its options");
            t.GetProperty("Options")!.PropertyType.Should().Be(options);

            // One way to run it: Run(ExperimentContext) and no other public Run overload; no cancellation/journal properties left.
            var runs = t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == "Run").ToList();
            runs.Should().ContainSingle($"{t.Name} has one Run");
            runs[0].GetParameters().Select(p => p.ParameterType).Should().Equal([typeof(ExperimentContext)]);
            runs[0].ReturnType.Should().Be(result);
            t.GetProperties().Select(p => p.PropertyType).Should().NotContain([typeof(CancellationToken), typeof(ExperimentJournal)],
                $"{t.Name} takes cancellation and the journal from the context");
        }
    }

    [Fact]
    public void A_run_through_the_shape_with_cancellation_already_requested_throws()
    {
        TorchRuntime.EnsureLoaded();
        using var train = MultiObjectComposer.SyntheticDigits(40, seed: 1);
        using var test = MultiObjectComposer.SyntheticDigits(20, seed: 2);
        IExperiment<SynchronyExperimentOptions, SynchronyExperimentResult> experiment = new SynchronyExperiment(new SynchronyExperimentOptions
        {
            TrainImages = 48, TestImages = 8, Steps = 2, KernelSize = 3, Seeds = 1, Models = [SynchronyModel.Real],
            Training = new SynchronyTrainingOptions { Epochs = 1, BatchSize = 16, LearningRate = 3e-3 },
        });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var act = () => experiment.Run(new ExperimentContext(train, test) { Cancellation = cancel.Token });
        act.Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void A_missing_data_set_is_named_in_one_clear_message()
    {
        var experiment = new SynchronyExperiment(new SynchronyExperimentOptions());
        var act = () => experiment.Run(new ExperimentContext(new ExperimentData()));
        act.Should().Throw<ArgumentException>().WithMessage("SynchronyExperiment: ExperimentData.Train is null; this experiment needs a training set.*");
    }
}
