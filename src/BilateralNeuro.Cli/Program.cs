using BilateralNeuro.Cli;
return await CliApp.Build().Parse(args).InvokeAsync();
