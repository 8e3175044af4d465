using System.Diagnostics;
using System.Net.Sockets;
using OneMcp.IntegrationTests.Support;
using Testcontainers.PostgreSql;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// A PostgreSQL server for the tests, from the first source that works: the <c>ONEMCP_TEST_POSTGRES</c> connection
/// string; Testcontainers when a Docker engine answers; a throw-away cluster from local <c>initdb</c>/<c>pg_ctl</c>.
/// </summary>
internal abstract class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "ONEMCP_TEST_POSTGRES";

    /// <summary>A connection string with rights to create databases (its database is the maintenance one).</summary>
    public abstract string AdminConnectionString { get; }

    public abstract string Description { get; }

    /// <summary>True when the server is ours alone, so databases need not be dropped one by one.</summary>
    public abstract bool IsThrowAway { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new ExternalServer(fromEnvironment);
        }

        if (await DockerProbe.IsReachableAsync())
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            return new ContainerServer(container);
        }

        if (LocalCluster.FindBinaries() is { } bin)
        {
            return await LocalCluster.StartAsync(bin);
        }

        throw new InvalidOperationException(
            "These tests need PostgreSQL and found none: set ONEMCP_TEST_POSTGRES to a connection string " +
            "(e.g. Host=127.0.0.1;Username=postgres;Password=...;Database=postgres), run a Docker engine, " +
            "or install the server binaries (apt-get install postgresql) so initdb/pg_ctl are found on PATH or under /usr/lib/postgresql/*/bin.");
    }

    /// <summary>
    /// A throw-away local cluster of the test's own, for tests that stop and restart the server (a database
    /// outage); other tests share <see cref="StartAsync"/>'s server, which must keep running.
    /// </summary>
    public static async Task<LocalCluster> StartOwnClusterAsync() =>
        LocalCluster.FindBinaries() is { } bin
            ? await LocalCluster.StartAsync(bin)
            : throw new InvalidOperationException(
                "This test stops and restarts PostgreSQL, so it needs the server binaries (apt-get install postgresql) to run a cluster of its own; " +
                "scripts/test.sh installs them.");

    public abstract ValueTask DisposeAsync();

    private sealed class ExternalServer(string connectionString) : PostgresServer
    {
        public override string AdminConnectionString => connectionString;

        public override string Description => EnvironmentVariable;

        public override bool IsThrowAway => false;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ContainerServer(PostgreSqlContainer container) : PostgresServer
    {
        public override string AdminConnectionString => container.GetConnectionString();

        public override string Description => "Testcontainers";

        public override bool IsThrowAway => true;

        public override ValueTask DisposeAsync() => container.DisposeAsync();
    }

    /// <summary>Probes Docker quickly: DOCKER_HOST, or a docker.sock that answers <c>/_ping</c> within a second.</summary>
    private static class DockerProbe
    {
        public static async Task<bool> IsReachableAsync()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")))
            {
                return true;
            }

            const string socketPath = "/var/run/docker.sock";
            if (OperatingSystem.IsWindows() || !File.Exists(socketPath))
            {
                return false;
            }

            try
            {
                using var handler = new SocketsHttpHandler
                {
                    ConnectCallback = async (_, ct) =>
                    {
                        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    },
                };
                using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1) };
                using var response = await http.GetAsync(new Uri("http://docker/_ping"));
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException or IOException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// A cluster in a temp directory, trust auth, listening on 127.0.0.1 at a free port with its socket in the same
    /// directory. Durability against a machine crash is switched off (fsync) because the data is thrown away; a commit
    /// still waits for its WAL to be written (synchronous_commit stays on, a write to the page cache), so what a test
    /// saw committed survives <see cref="StopAsync"/>'s immediate stop, as it would survive a crash of a real database
    /// server with the defaults. (With synchronous_commit off, a token issued just before a stop was sometimes lost, and
    /// the gateway rightly refused it afterwards.) initdb refuses to run as root,
    /// so as root every server command runs as the <c>postgres</c> system user. A watchdog process stops the
    /// cluster and deletes the directory if the test host dies without disposing it.
    /// </summary>
    internal sealed class LocalCluster : PostgresServer
    {
        private readonly string _bin;
        private readonly string _root;
        private readonly string _data;
        private readonly int _port;

        private LocalCluster(string bin, string root, int port)
        {
            _bin = bin;
            _root = root;
            _data = Path.Combine(root, "data");
            _port = port;
        }

        public override string AdminConnectionString =>
            $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20;Timeout=15";

        public override string Description => $"local cluster ({_bin}, port {_port})";

        public override bool IsThrowAway => true;

        private static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

        public static string? FindBinaries()
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var initdb = Path.Combine(dir, "initdb");
                if (File.Exists(initdb) && File.Exists(Path.Combine(dir, "pg_ctl")))
                {
                    // Follow Debian's symlinks to the real bin directory, where postgres itself lives too.
                    var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                    return Path.GetDirectoryName(target);
                }
            }

            const string debianRoot = "/usr/lib/postgresql";
            if (!Directory.Exists(debianRoot))
            {
                return null;
            }

            return Directory.GetDirectories(debianRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault();
        }

        public static async Task<LocalCluster> StartAsync(string bin)
        {
            var root = Path.Combine(Path.GetTempPath(), "onemcp-pg-" + Guid.NewGuid().ToString("N")[..10]);
            Directory.CreateDirectory(root);
            if (IsRoot)
            {
                await RunAsync("chown", ["postgres:postgres", root], asPostgres: false);
            }

            var cluster = new LocalCluster(bin, root, 0);
            try
            {
                await RunAsync(Path.Combine(bin, "initdb"), ["-D", cluster._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], asPostgres: IsRoot);
            }
            catch
            {
                TryDelete(root);
                throw;
            }

            // A free port can be taken between our probe and the server's bind: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var started = new LocalCluster(bin, root, FreePorts.Next());
                try
                {
                    await started.RunPgCtlStartAsync();
                    started.StartWatchdog();
                    return started;
                }
                catch when (attempt < 3)
                {
                }
                catch
                {
                    TryDelete(root);
                    throw;
                }
            }
        }

        /// <summary>Stops the server at once (connections are cut, as when the machine goes away); the data stays.</summary>
        public Task StopAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "stop"], asPostgres: IsRoot);

        /// <summary>Starts the stopped server again on the same port and data.</summary>
        public Task RestartAsync() => RunPgCtlStartAsync();

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "stop"], asPostgres: IsRoot);
            }
            catch (InvalidOperationException)
            {
                // Already stopped; the directory still goes.
            }

            TryDelete(_root);
        }

        private Task RunPgCtlStartAsync() => RunAsync(
            Path.Combine(_bin, "pg_ctl"),
            [
                "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "30",
                "-o", $"-c listen_addresses=127.0.0.1 -p {_port} -k {_root} -c fsync=off -c full_page_writes=off -c max_connections=300",
                "start",
            ],
            asPostgres: IsRoot);

        private void StartWatchdog()
        {
            var pgCtl = $"{Path.Combine(_bin, "pg_ctl")} -D '{_data}' -m immediate stop";
            var stop = IsRoot ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
            var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; {stop}; rm -rf '{_root}'";
            var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "sh", "-c", script })
            {
                info.ArgumentList.Add(arg);
            }

            using var _ = Process.Start(info);
        }

        private static void TryDelete(string path)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private static async Task RunAsync(string file, string[] args, bool asPostgres)
        {
            var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(),
            };
            if (asPostgres)
            {
                foreach (var arg in new[] { "-u", "postgres", "--", file })
                {
                    info.ArgumentList.Add(arg);
                }
            }

            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
            }
        }
    }
}
