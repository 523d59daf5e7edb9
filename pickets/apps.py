from django.apps import AppConfig


class PicketsConfig(AppConfig):
    name = "pickets"
    verbose_name = "Picket lines and solidarity"

    def ready(self) -> None:
        from privacy.registry import register

        from .personal_data import PicketsPersonalData

        register(self.label, PicketsPersonalData())

        from clps import public_cache

        from .models import PicketLine, PicketSignup

        def clps_of_lines(line_ids) -> list[str]:
            clp_ids = PicketLine.objects.filter(pk__in=line_ids).values_list("clp_id", flat=True)
            return public_cache.clp_scopes(*clp_ids)

        def line_days_changed(instance, reverse: bool, pk_set) -> list[str]:
            if not reverse:
                return public_cache.clp_scopes(instance.clp_id)
            # A day's picket lines changed: theirs, or every page if it is not known which.
            return clps_of_lines(pk_set) if pk_set else [public_cache.SHARED]

        # The CLP's picket lines on its calendar and their pages, and how many are going.
        public_cache.watch(PicketLine, lambda line: public_cache.clp_scopes(line.clp_id))
        public_cache.watch(PicketSignup, lambda signup: clps_of_lines([signup.picket_line_id]))
        public_cache.watch_m2m(PicketLine.action_days.through, line_days_changed)
