from django.apps import AppConfig


class StrikesConfig(AppConfig):
    name = "strikes"
    verbose_name = "Unions, disputes and ballots"

    def ready(self) -> None:
        from privacy.registry import register

        from .personal_data import StrikesPersonalData

        register(self.label, StrikesPersonalData())

        from clps import public_cache

        from . import models

        # The public records every CLP's pages show.
        public_cache.watch_shared(
            models.Union,
            models.Branch,
            models.Employer,
            models.Workplace,
            models.Dispute,
            models.ActionDay,
            models.BallotRuleSet,
            models.Ballot,
        )
        for through in (
            models.Dispute.unions.through,
            models.Dispute.branches.through,
            models.Dispute.workplaces.through,
        ):
            public_cache.watch_m2m(through, lambda *_: [public_cache.SHARED])
        # Which disputes a CLP's calendar shows.
        public_cache.watch(
            models.FollowedDispute, lambda follow: public_cache.clp_scopes(follow.clp_id)
        )
