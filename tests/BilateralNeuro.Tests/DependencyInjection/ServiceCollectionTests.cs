using BilateralNeuro.Bilateral;
using BilateralNeuro.Experiments;
using BilateralNeuro.Resources;
using BilateralNeuro.Training;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace BilateralNeuro.Tests.DependencyInjection;

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

    [Fact]
    public void Every_options_type_of_the_library_has_a_validator_and_is_registered()
    {
        var library = typeof(BilateralNetwork).Assembly;
        var optionsTypes = library.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .ToList();
        optionsTypes.Should().HaveCountGreaterThan(20);
        using var sp = Provider([]);
        var missingValidator = new List<string>();
        var notRegistered = new List<string>();
        foreach (var t in optionsTypes)
        {
            var validatorInterface = typeof(IValidateOptions<>).MakeGenericType(t);
            if (!library.GetExportedTypes().Any(v => v.IsClass && validatorInterface.IsAssignableFrom(v))) missingValidator.Add(t.Name);
            if (!((IEnumerable<object>)sp.GetServices(validatorInterface)).Any()) notRegistered.Add(t.Name);
        }
        missingValidator.Should().BeEmpty("every options type needs an IValidateOptions<T>");
        notRegistered.Should().BeEmpty("AddBilateralNeuro must register every options type's validator");
    }

    [Fact]
    public void Stage_options_are_bound_and_validated_with_the_trainer_rules_allowing_a_switched_off_stage()
    {
        using (var off = Provider(new() { ["BilateralNeuro:Stage:Epochs"] = "0" }))
            off.GetRequiredService<IOptions<BilateralNeuro.Bilateral.Training.StageOptions>>().Value.Epochs.Should().Be(0);
        using var sp = Provider(new() { ["BilateralNeuro:Stage:BatchSize"] = "0", ["BilateralNeuro:Stage:Epochs"] = "-1" });
        var act = () => sp.GetRequiredService<IOptions<BilateralNeuro.Bilateral.Training.StageOptions>>().Value;
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .BeEquivalentTo("Epochs must be at least 0 (got -1).", "BatchSize must be at least 1 (got 0).");
    }

    [Fact]
    public void Startup_validation_accepts_the_defaults_and_reports_a_bad_section()
    {
        // ValidateOnStart: the host's start runs IStartupValidator, which validates every registered options type.
        using (var ok = Provider([])) ok.GetRequiredService<IStartupValidator>().Validate();
        using var sp = Provider(new()
        {
            ["BilateralNeuro:Lattice:MaxLayers"] = "0",
            ["BilateralNeuro:ResourceExperiment:BatchSize"] = "0",
            ["BilateralNeuro:ResourceExperiment:Lattice:KernelSize"] = "2",
        });
        Exception? thrown = null;
        try { sp.GetRequiredService<IStartupValidator>().Validate(); }
        catch (Exception e) { thrown = e; }
        // Two options types fail, so the startup validator aggregates their two OptionsValidationExceptions.
        var aggregate = thrown.Should().BeOfType<AggregateException>().Subject;
        aggregate.InnerExceptions.Should().HaveCount(2).And.AllBeOfType<OptionsValidationException>();
        var failures = aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        failures.Should().Contain(f => f.Contains("MaxLayers must be at least 1"));
        failures.Should().Contain(f => f.Contains("BatchSize must be at least 1"));
        failures.Should().Contain(f => f.StartsWith("Lattice.KernelSize must be a positive odd number"));
        sp.GetRequiredService<IOptions<ResourceExperimentOptions>>().Invoking(o => o.Value).Should().Throw<OptionsValidationException>();
        sp.GetRequiredService<IOptions<LatticeOptions>>().Invoking(o => o.Value).Should().Throw<OptionsValidationException>();
    }
}
