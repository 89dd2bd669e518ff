using Cam.Scheduler;

var builder = WebApplication.CreateBuilder(args);
if (args.FirstOrDefault() == "migrate")
{
    await SchedulerHosting.MigrateAsync(builder.Configuration);
    Console.WriteLine("database migrated");
    return;
}
var settings = builder.AddCamScheduler();
builder.WebHost.UseUrls(settings.Urls);
var app = builder.Build();
await app.MapCamSchedulerAsync(settings);
app.Run();
