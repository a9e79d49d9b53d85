namespace YarpEgress.Tunneling.Splice;

/// <summary>The two ends of one kernel pipe: a direction splices its source into <see cref="WriteFd"/> and its destination out of <see cref="ReadFd"/>.</summary>
internal readonly record struct PipePair(int ReadFd, int WriteFd);
