using BilateralNeuro.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Core;

/// <summary>Registers BilateralNeuro's options and services with a host's dependency-injection container.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>The configuration section read by <see cref="AddBilateralNeuro"/>.</summary>
    public const string SectionName = "BilateralNeuro";

    /// <summary>
    /// Binds options from the <c>BilateralNeuro</c> section (e.g. <c>BilateralNeuro:Trainer:Epochs</c>), validates them
    /// when the host starts (every problem listed in one <see cref="OptionsValidationException"/>), and registers
    /// <see cref="Trainer"/> with an <see cref="ILogger{Trainer}"/>.
    /// </summary>
    public static IServiceCollection AddBilateralNeuro(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        services.AddOptions<TrainerOptions>().Bind(section.GetSection("Trainer")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainerOptions>, TrainerOptionsValidator>());
        services.TryAddTransient(sp => new Trainer(sp.GetRequiredService<IOptions<TrainerOptions>>().Value, sp.GetService<ILogger<Trainer>>()));
        return services;
    }
}
