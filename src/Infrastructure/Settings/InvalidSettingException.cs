namespace OneMcp.Infrastructure.Settings;

/// <summary>A setting whose value breaks its rule; the message says which value and what was expected, on one line.</summary>
public sealed class InvalidSettingException(string message, Exception? innerException = null) : Exception(message, innerException);
