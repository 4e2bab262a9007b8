import pytest

from kafka_harness import Deployment, start_broker, stop_broker


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """The real broker: PANTAU_KAFKA_BOOTSTRAP, or one started by deploy/kafka/kafka.sh."""
    bootstrap, started = start_broker()
    yield bootstrap
    if started:
        stop_broker()


@pytest.fixture
def deployment_factory(kafka_bootstrap, tmp_path):
    """Isolated topics + consumer group per call; its workers stop with the test."""
    made = []

    async def make(**rules) -> Deployment:
        deployment = Deployment(kafka_bootstrap, tmp_path, **rules)
        made.append(deployment)
        await deployment.declare()
        return deployment

    yield make
    for deployment in made:
        deployment.stop_all()
