using BilateralNeuro.Core;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace BilateralNeuro.Tests.Core;

public class ServiceCollectionTests
{
    private static ServiceProvider Provider(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLogging()
            .AddBilateralNeuro(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public void Options_are_bound_from_configuration()
    {
        using var sp = Provider(new() { ["BilateralNeuro:Trainer:Epochs"] = "7", ["BilateralNeuro:Trainer:Optimizer"] = "AdamW" });
        var trainer = sp.GetRequiredService<Trainer>();
        trainer.Options.Epochs.Should().Be(7);
        trainer.Options.Optimizer.Should().Be(OptimizerKind.AdamW);
    }

    [Fact]
    public void Invalid_configuration_fails_with_every_problem_listed()
    {
        using var sp = Provider(new() { ["BilateralNeuro:Trainer:Epochs"] = "0", ["BilateralNeuro:Trainer:LearningRate"] = "-1" });
        var act = () => sp.GetRequiredService<IOptions<TrainerOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }
}
