using Cam.Hosting;
using Cam.Worker;

var builder = WebApplication.CreateBuilder(args);
var settings = builder.AddCamWorker();
builder.WebHost.UseUrls(settings.Urls);
var app = builder.Build();
app.MapCamHealthChecks();
app.MapCamMetrics();
app.Run();
