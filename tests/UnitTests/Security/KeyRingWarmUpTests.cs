using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Security;

/// <summary>What the key ring's load after start logs when it fails: a refused key ring is an error to fix, an outage is retried.</summary>
public sealed class KeyRingWarmUpTests
{
    private const string Refusal =
        "The stored key ring needs the key with fingerprint 0123abcd; this gateway's has 4567ef01. Nothing is created or changed until the right key is configured.";

    private readonly RecordingLogger<KeyRingWarmUp> _log = new();

    [Fact]
    public async Task Load_WhenTheStoredKeyRingNeedsAnotherKey_LogsAnErrorWithTheRefusal_NotThatItWillTryAgain()
    {
        await LoadAsync(new InvalidOperationException("The key ring could not be read.", new KeyRingRefusedException(Refusal)));

        var entry = _log.Entries.ShouldHaveSingleItem();
        entry.Level.ShouldBe(LogLevel.Error);
        entry.Message.ShouldContain(Refusal);
        entry.Message.ShouldNotContain("try again");
    }

    [Fact]
    public async Task Load_WhenTheDatabaseCannotBeReached_LogsAWarningThatItsFirstUseTriesAgain()
    {
        await LoadAsync(new TimeoutException("The database did not answer."));

        var entry = _log.Entries.ShouldHaveSingleItem();
        entry.Level.ShouldBe(LogLevel.Warning);
        entry.Message.ShouldContain("TimeoutException: The database did not answer.");
        entry.Message.ShouldContain("its first use will try again");
    }

    // Starts the warm-up, says the host started (the load runs), and waits for the load by stopping it.
    private async Task LoadAsync(Exception failure)
    {
        using var lifetime = new StartedLifetime();
        var warmUp = new KeyRingWarmUp(lifetime, new FailingProtection(failure), _log);
        await warmUp.StartAsync(CancellationToken.None);
        await lifetime.StartAsync();
        await warmUp.StopAsync(CancellationToken.None);
    }

    private sealed class StartedLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public Task StartAsync() => _started.CancelAsync();

        public void StopApplication()
        {
        }

        public void Dispose() => _started.Dispose();
    }

    private sealed class FailingProtection(Exception failure) : IDataProtectionProvider, IDataProtector
    {
        public IDataProtector CreateProtector(string purpose) => this;

        public byte[] Protect(byte[] plaintext) => throw failure;

        public byte[] Unprotect(byte[] protectedData) => throw failure;
    }
}
