using System.Net;
using System.Net.Sockets;

namespace Cam.IntegrationTests.Infrastructure;

public static class FreePort
{
    /// <summary>A loopback port nobody listens on now. Containers are published on a fixed port so that a restarted
    /// container comes back where its clients reconnect.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
