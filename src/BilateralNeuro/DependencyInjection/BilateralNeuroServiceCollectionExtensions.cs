using BilateralNeuro.Analysis;
using BilateralNeuro.Attention;
using BilateralNeuro.Beyond;
using BilateralNeuro.Beyond.Training;
using BilateralNeuro.Bilateral;
using BilateralNeuro.Bilateral.Training;
using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using BilateralNeuro.Resources;
using BilateralNeuro.Synchrony;
using BilateralNeuro.Synchrony.Training;
using BilateralNeuro.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers BilateralNeuro's options and services with a host's dependency-injection container.</summary>
public static class BilateralNeuroServiceCollectionExtensions
{
    /// <summary>The configuration section read by <see cref="AddBilateralNeuro"/>.</summary>
    public const string SectionName = "BilateralNeuro";

    /// <summary>
    /// Binds every BilateralNeuro options type from a subsection of <c>BilateralNeuro</c> named after the type without
    /// its <c>Options</c> suffix (e.g. <c>BilateralNeuro:Trainer:Epochs</c>, <c>BilateralNeuro:Lattice:MaxLayers</c>,
    /// <c>BilateralNeuro:BilateralExperiment:Seeds:0</c>), registers each type's validator and validates all of them when
    /// the host starts (<c>ValidateOnStart</c>; every problem of a type is listed in one
    /// <see cref="OptionsValidationException"/>), and registers <see cref="Trainer"/> with an <see cref="ILogger{Trainer}"/>.
    /// </summary>
    public static IServiceCollection AddBilateralNeuro(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        // Training
        services.AddValidated<TrainerOptions, TrainerOptionsValidator>(section);
        // Data
        services.AddValidated<DatasetDownloaderOptions, DatasetDownloaderOptionsValidator>(section);
        services.AddValidated<OcclusionOptions, OcclusionOptionsValidator>(section);
        services.AddValidated<MultiObjectOptions, MultiObjectOptionsValidator>(section);
        services.AddValidated<ReferenceMultiMnistOptions, ReferenceMultiMnistOptionsValidator>(section);
        services.AddValidated<FaceGeneratorOptions, FaceGeneratorOptionsValidator>(section);
        // Analysis
        services.AddValidated<PsychometricCurveOptions, PsychometricCurveOptionsValidator>(section);
        services.AddValidated<LinearProbeOptions, LinearProbeOptionsValidator>(section);
        // Paper modules
        services.AddValidated<HemisphereOptions, HemisphereOptionsValidator>(section);
        services.AddValidated<BilateralOptions, BilateralOptionsValidator>(section);
        services.AddValidated<BilateralTrainingOptions, BilateralTrainingOptionsValidator>(section);
        services.AddValidated<StageOptions, StageOptionsValidator>(section);
        services.AddValidated<KuramotoOptions, KuramotoOptionsValidator>(section);
        services.AddValidated<KomplexNetOptions, KomplexNetOptionsValidator>(section);
        services.AddValidated<ResourceCostOptions, ResourceCostOptionsValidator>(section);
        services.AddValidated<LatticeOptions, LatticeOptionsValidator>(section);
        services.AddValidated<ResourceTrainerOptions, ResourceTrainerOptionsValidator>(section);
        services.AddValidated<FaceAttentionOptions, FaceAttentionOptionsValidator>(section);
        services.AddValidated<PhaseSyncOptions, PhaseSyncOptionsValidator>(section);
        services.AddValidated<SharedBudgetOptions, SharedBudgetOptionsValidator>(section);
        services.AddValidated<BeyondTrainingOptions, BeyondTrainingOptionsValidator>(section);
        // Experiments
        services.AddValidated<BilateralExperimentOptions, BilateralExperimentOptionsValidator>(section);
        services.AddValidated<BeyondExperimentOptions, BeyondExperimentOptionsValidator>(section);
        services.AddValidated<FaceAttentionExperimentOptions, FaceAttentionExperimentOptionsValidator>(section);
        services.AddValidated<ResourceExperimentOptions, ResourceExperimentOptionsValidator>(section);
        services.AddValidated<SynchronyExperimentOptions, SynchronyExperimentOptionsValidator>(section);
        services.AddValidated<SynchronyTrainingOptions, SynchronyTrainingOptionsValidator>(section);

        services.TryAddTransient(sp => new Trainer(sp.GetRequiredService<IOptions<TrainerOptions>>().Value, sp.GetService<ILogger<Trainer>>()));
        return services;
    }

    private static void AddValidated<TOptions, TValidator>(this IServiceCollection services, IConfigurationSection section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        const string suffix = "Options";
        var name = typeof(TOptions).Name;
        if (name.EndsWith(suffix, StringComparison.Ordinal)) name = name[..^suffix.Length];
        services.AddOptions<TOptions>().Bind(section.GetSection(name)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }
}
