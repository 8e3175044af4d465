using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.Configuration;

namespace OneMcp.UnitTests.Users;

/// <summary>The sign-in throttle: per (user name, address) lock-outs and a per-address limit on failures.</summary>
public sealed class SignInThrottleTests
{
    private const string Attacker = "203.0.113.7";
    private const string Office = "198.51.100.9";
    private const string Password = "correct horse battery";

    private static readonly SignInThrottleOptions Limits = new()
    {
        MaxFailuresPerAccount = 3,
        AccountLockout = TimeSpan.FromMinutes(5),
        MaxFailuresPerAddress = 6,
        AddressWindow = TimeSpan.FromMinutes(15),
        AddressLockout = TimeSpan.FromMinutes(10),
    };

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingLogger<SignInHandler> _log = new();

    [Fact]
    public void Failed_WhenOneAddressFailsAUsersPassword_LocksThatNameOnlyForThatAddress()
    {
        var throttle = new SignInThrottle(_time, Limits);

        Fail(throttle, "admin", Attacker, 3);

        throttle.LockedUntil("admin", Attacker).ShouldBe(_time.GetUtcNow() + Limits.AccountLockout);
        throttle.LockedUntil("ADMIN", Attacker).ShouldNotBeNull();
        throttle.LockedUntil("admin", Office).ShouldBeNull();
        throttle.AddressBlockedUntil(Office).ShouldBeNull();
    }

    [Fact]
    public void Failed_WhenAnAddressFailsTooOftenAcrossNames_RefusesTheAddressUntilItsLockoutEnds()
    {
        var throttle = new SignInThrottle(_time, Limits);
        for (var i = 0; i < 5; i++)
        {
            throttle.Failed("user" + i, Attacker);
        }

        throttle.AddressBlockedUntil(Attacker).ShouldBeNull();
        throttle.Failed("user5", Attacker);

        throttle.AddressBlockedUntil(Attacker).ShouldBe(_time.GetUtcNow() + Limits.AddressLockout);
        throttle.AddressBlockedUntil(Office).ShouldBeNull();
        _time.Advance(Limits.AddressLockout - TimeSpan.FromSeconds(1));
        throttle.AddressBlockedUntil(Attacker).ShouldNotBeNull();
        _time.Advance(TimeSpan.FromSeconds(1));
        throttle.AddressBlockedUntil(Attacker).ShouldBeNull();
    }

    [Fact]
    public void Succeeded_WhenTheAddressHasFailures_ClearsThePairButNotTheAddressCount()
    {
        var throttle = new SignInThrottle(_time, Limits);
        Fail(throttle, "mallory", Attacker, 2);
        throttle.Succeeded("mallory", Attacker);
        Fail(throttle, "admin", Attacker, 2);

        // Two more failures on the pair would have locked it without the success; the address still counts all four.
        throttle.LockedUntil("mallory", Attacker).ShouldBeNull();
        Fail(throttle, "bob", Attacker, 2);
        throttle.AddressBlockedUntil(Attacker).ShouldNotBeNull();
    }

    [Fact]
    public void Failed_WhenTheAddressWindowHasPassed_CountsFromZeroAgain()
    {
        var throttle = new SignInThrottle(_time, Limits);
        for (var i = 0; i < 5; i++)
        {
            throttle.Failed("user" + i, Attacker);
        }

        _time.Advance(Limits.AddressWindow);
        throttle.Failed("user5", Attacker);

        throttle.AddressBlockedUntil(Attacker).ShouldBeNull();
    }

    [Fact]
    public void Constructor_WhenALimitIsNotPositive_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new SignInThrottle(_time, Limits with { MaxFailuresPerAddress = 0 }));

    [Fact]
    public async Task SignIn_WhenTheAddressIsRefused_AnswersAddressThrottledEvenForTheRightPassword_AndOtherAddressesGetIn()
    {
        var users = new InMemoryUserRepository();
        var hasher = new FakePasswordHasher();
        await users.AddAsync(User.Create("ada", hasher.Hash(Password), UserRole.Admin, _time.GetUtcNow()), CancellationToken.None);
        var handler = new SignInHandler(users, hasher, new SignInThrottle(_time, Limits), _time, _log);
        for (var i = 0; i < Limits.MaxFailuresPerAddress; i++)
        {
            (await handler.Handle(new SignInCommand("ada" + i, "guess", Attacker), CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.InvalidCredentials);
        }

        await handler.Handle(new SignInCommand("ada", "guess again", Attacker), CancellationToken.None);

        var refused = await handler.Handle(new SignInCommand("ada", Password, Attacker), CancellationToken.None);
        var elsewhere = await handler.Handle(new SignInCommand("ada", Password, Office), CancellationToken.None);

        refused.Outcome.ShouldBe(SignInOutcome.AddressThrottled);
        refused.LockedUntil.ShouldBe(_time.GetUtcNow() + Limits.AddressLockout);
        elsewhere.Outcome.ShouldBe(SignInOutcome.Succeeded);

        // One warning when the address is refused (not one per refused attempt), naming the address, never a password.
        var warning = _log.Lines.ShouldHaveSingleItem();
        warning.ShouldStartWith("Warning: Too many failed sign-ins from " + Attacker);
        warning.ShouldNotContain("guess");
        warning.ShouldNotContain(Password);
    }

    [Fact]
    public async Task SignIn_WhenAnotherAddressLockedTheUsersName_LetsTheUserInFromTheirOwnAddress()
    {
        var users = new InMemoryUserRepository();
        var hasher = new FakePasswordHasher();
        await users.AddAsync(User.Create("ada", hasher.Hash(Password), UserRole.Admin, _time.GetUtcNow()), CancellationToken.None);
        var handler = new SignInHandler(users, hasher, new SignInThrottle(_time, Limits), _time, _log);
        for (var i = 0; i < Limits.MaxFailuresPerAccount; i++)
        {
            await handler.Handle(new SignInCommand("ada", "guess", Attacker), CancellationToken.None);
        }

        (await handler.Handle(new SignInCommand("ada", Password, Attacker), CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.LockedOut);
        (await handler.Handle(new SignInCommand("ada", Password, Office), CancellationToken.None)).Outcome.ShouldBe(SignInOutcome.Succeeded);
    }

    private static void Fail(SignInThrottle throttle, string userName, string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            throttle.Failed(userName, address);
        }
    }
}
