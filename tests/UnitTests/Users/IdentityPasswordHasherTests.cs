using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.UnitTests.Users;

public sealed class IdentityPasswordHasherTests
{
    private const string Password = "correct horse battery";

    private readonly IdentityPasswordHasher _hasher = new();

    [Fact]
    public void Hash_VerifiesWithTheSamePassword()
    {
        var hash = _hasher.Hash(Password);

        hash.ShouldNotContain(Password);
        _hasher.Verify(hash, Password).ShouldBe(PasswordCheck.Success);
    }

    [Fact]
    public void Hash_IsIdentityV3()
    {
        // 0x01 marker, HMAC-SHA512, 100,000 iterations: the format ASP.NET Core Identity writes today.
        _hasher.Hash(Password).ShouldStartWith("AQAAAAIAAYag");
    }

    [Theory]
    [InlineData("correct horse battery!")]
    [InlineData("Correct horse battery")]
    [InlineData("")]
    public void Verify_WithAWrongPassword_Fails(string wrong) =>
        _hasher.Verify(_hasher.Hash(Password), wrong).ShouldBe(PasswordCheck.Failed);

    [Theory]
    [InlineData("")]
    [InlineData("not a hash!")]
    [InlineData("AQAAAAIAAYag")]
    public void Verify_AgainstSomethingThatIsNoHash_Fails(string hash) =>
        _hasher.Verify(hash, Password).ShouldBe(PasswordCheck.Failed);

    [Fact]
    public void Verify_AHashWithFewerIterations_AsksForARehash()
    {
        var weaker = new IdentityPasswordHasher(Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }));

        _hasher.Verify(weaker.Hash(Password), Password).ShouldBe(PasswordCheck.SuccessRehashNeeded);
    }

    [Fact]
    public void Hash_OfOnePasswordTwice_Differs()
    {
        var first = _hasher.Hash(Password);
        var second = _hasher.Hash(Password);

        first.ShouldNotBe(second);
        _hasher.Verify(first, Password).ShouldBe(PasswordCheck.Success);
        _hasher.Verify(second, Password).ShouldBe(PasswordCheck.Success);
    }

    [Fact]
    public void AddPasswordHashing_RegistersTheIdentityHasher()
    {
        using var provider = new ServiceCollection().AddPasswordHashing().BuildServiceProvider();

        provider.GetRequiredService<IPasswordHasher>().ShouldBeOfType<IdentityPasswordHasher>();
    }
}
