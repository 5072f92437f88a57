"""China as a strategic leader (issue 17; docs/strategy.md): a Stackelberg search over export
instruments, each candidate answered by the competitive equilibrium."""

from reebloc.strategy.leader import Leader, StrategyResult, play
from reebloc.strategy.payoff import LeaderPayoff, PayoffParts

__all__ = ["Leader", "LeaderPayoff", "PayoffParts", "StrategyResult", "play"]
