using BilateralNeuro.Core;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Synchrony.Training;
using BilateralNeuro.Synchrony;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Xunit;

namespace BilateralNeuro.Tests.Synchrony;

public class SynchronyExperimentDataTests
{
    [Fact]
    public void Reference_data_option_runs_the_protocol_and_the_regime_is_logged()
    {
        TorchRuntime.EnsureLoaded();
        using var train = MultiObjectComposer.SyntheticDigits(40, seed: 1);
        using var test = MultiObjectComposer.SyntheticDigits(20, seed: 2);
        var options = new SynchronyExperimentOptions
        {
            TrainImages = 48, TestImages = 8, Steps = 2, KernelSize = 3, Seeds = 1, ReferenceData = true,
            Models = [SynchronyModel.Real, SynchronyModel.KomplexNet],
            Training = new SynchronyTrainingOptions { Epochs = 1, BatchSize = 16, LearningRate = 3e-3 },
        };
        var log = new ListLogger();
        var result = new SynchronyExperiment(options).Run(new ExperimentContext(train, test) { LoggerFactory = new ListLoggerFactory(log) });
        result.Rows.Select(r => r.Condition).Distinct().Should().Equal(SynchronyExperiment.Conditions(options));
        result.Rows.Should().OnlyContain(r => r.ExactMatch >= 0 && r.ExactMatch <= 1);
        log.Lines.Should().Contain(l => l.Level == LogLevel.Warning && l.Text.Contains("leaves the regime the reference trained in"),
            "T = 2, k = 3 is far outside the reference regime");
    }

    private sealed class ListLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
