package dbtest

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
)

// dockerImage is the PostgreSQL image of the Docker path.
const dockerImage = "postgres:16-alpine"

// errNoDocker says that no Docker engine is within reach.
var errNoDocker = errors.New("no Docker engine (DOCKER_HOST unset and no /var/run/docker.sock)")

// startDocker starts one PostgreSQL container for the test binary and
// returns the DSN of its maintenance database. The container is removed
// when Main ends (and by testcontainers' reaper if the binary dies).
func startDocker(ctx context.Context) (string, error) {
	if os.Getenv("DOCKER_HOST") == "" {
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			return "", errNoDocker
		}
	}
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return "", fmt.Errorf("docker: %w", err)
	}
	defer provider.Close()
	if err := provider.Health(ctx); err != nil {
		return "", fmt.Errorf("docker engine not reachable: %w", err)
	}
	c, err := tcpostgres.Run(ctx, dockerImage,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies(),
	)
	if err != nil {
		if c != nil {
			_ = testcontainers.TerminateContainer(c)
		}
		return "", fmt.Errorf("docker: start %s: %w", dockerImage, err)
	}
	atShutdown(func() { _ = testcontainers.TerminateContainer(c) })
	dsn, err := c.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return "", fmt.Errorf("docker: %w", err)
	}
	return dsn, nil
}
